/** Placeholder until the page is written. */
export default function Sessions() {
  return <h1>Sessions</h1>;
}
