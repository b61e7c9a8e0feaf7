export default function Home() {
  return (
    <main>
      <h1>armalo-webhooks Next.js example</h1>
      <p>Webhook endpoints (POST):</p>
      <ul>
        <li>
          <code>/api/webhooks/armalo</code>: App Router, Node.js runtime
        </li>
        <li>
          <code>/api/webhooks/armalo-edge</code>: App Router, Edge runtime
        </li>
        <li>
          <code>/api/webhooks/armalo-pages</code>: Pages Router API route
        </li>
      </ul>
    </main>
  );
}
