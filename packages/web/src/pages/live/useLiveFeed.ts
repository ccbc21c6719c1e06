import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { CallItem } from '../../api/types.js';
import { emptyFeed, feedReducer } from './feed.js';
import { connectLive, type LiveConnection, type LiveState } from './live-stream.js';

/** Calls that arrive together (one read of the stream, a burst) are added in one update. */
const BATCH_MS = 50;

/**
 * The live feed of the current project and filters: subscribes when they change (starting a new count), and
 * closes the stream when the page goes away.
 */
export function useLiveFeed(project: string | null, filters: Record<string, string>) {
  const [feed, dispatch] = useReducer(feedReducer, undefined, () => emptyFeed());
  const [state, setState] = useState<LiveState>({ kind: 'connecting' });
  const [generation, setGeneration] = useState(0);
  const connection = useRef<LiveConnection | null>(null);
  // The filters as one string: the object is new at every render, the subscription must not be.
  const filterKey = JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));

  useEffect(() => {
    const params = Object.fromEntries(JSON.parse(filterKey) as [string, string][]);
    let pending: CallItem[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const calls = pending;
      pending = [];
      if (calls.length > 0) dispatch({ type: 'calls', calls });
    };
    dispatch({ type: 'reset' });
    const conn = connectLive(
      { project, filters: params },
      {
        state: setState,
        call: (c) => {
          pending.push(c);
          timer ??= setTimeout(flush, BATCH_MS);
        },
        dropped: (count) => dispatch({ type: 'dropped', count }),
      },
    );
    connection.current = conn;
    return () => {
      conn.close();
      if (timer) clearTimeout(timer);
      connection.current = null;
    };
  }, [project, filterKey, generation]);

  const pause = useCallback(() => dispatch({ type: 'pause' }), []);
  const resume = useCallback(() => dispatch({ type: 'resume' }), []);
  const clear = useCallback(() => dispatch({ type: 'reset' }), []);
  const retryNow = useCallback(() => connection.current?.retryNow(), []);
  /** Opens a new stream after a refusal (the key or the filters were fixed). */
  const restart = useCallback(() => setGeneration((g) => g + 1), []);

  return { feed, state, pause, resume, clear, retryNow, restart };
}
