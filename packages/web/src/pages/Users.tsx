/** Placeholder until the page is written. */
export default function Users() {
  return <h1>Users</h1>;
}
