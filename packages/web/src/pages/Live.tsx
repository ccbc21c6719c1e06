/** Placeholder until the page is written. */
export default function Live() {
  return <h1>Live</h1>;
}
