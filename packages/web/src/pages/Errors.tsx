/** Placeholder until the page is written. */
export default function Errors() {
  return <h1>Errors</h1>;
}
