import { useParams } from 'wouter';
import { UserDetail } from './users/UserDetail.js';
import { UserList } from './users/UserList.js';
import { routeId } from './users/route-param.js';
import './Users.css';

/** `/users`: users ranked by a metric; `/users/<id>`: one user's usage and agent runs. */
export default function Users() {
  const { id } = useParams<{ id?: string }>();
  return id ? <UserDetail key={id} id={routeId(id)} /> : <UserList />;
}
