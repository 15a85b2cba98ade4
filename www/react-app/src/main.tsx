import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './app.css';

// StrictMode on purpose: in development React mounts, unmounts and remounts every effect, and the
// provider must still open exactly one socket.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
