import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, makeClient } from './app/App.js';
import { warmStart } from './app/warm-start.js';
import './styles.css';

const client = makeClient();
warmStart(client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
