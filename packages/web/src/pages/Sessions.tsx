import { useParams } from 'wouter';
import { SessionDetail } from './sessions/SessionDetail.js';
import { SessionList } from './sessions/SessionList.js';
import { routeId } from './users/route-param.js';
import './Sessions.css';

/** `/sessions`: the sessions of the range, newest first; `/sessions/<id>`: one session as a timeline of its calls. */
export default function Sessions() {
  const { id } = useParams<{ id?: string }>();
  return id ? <SessionDetail key={id} id={routeId(id)} /> : <SessionList />;
}
