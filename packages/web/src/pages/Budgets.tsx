/** Placeholder until the page is written. */
export default function Budgets() {
  return <h1>Budgets</h1>;
}
