/** Placeholder until the page is written. */
export default function Models() {
  return <h1>Models</h1>;
}
