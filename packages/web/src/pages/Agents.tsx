/** Placeholder until the page is written. */
export default function Agents() {
  return <h1>Agents</h1>;
}
