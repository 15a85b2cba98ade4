// Nothing here is about zantara-websocket: the package needs no plugin and no optimizeDeps entry.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
});
