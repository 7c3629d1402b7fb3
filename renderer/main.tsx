import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { pickApi } from './api/pick-api';
import './styles/base.css';
import './styles/shell.css';
import './styles/views.css';

const { api, missingToken } = pickApi();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App api={api} missingToken={missingToken} syncUrl />
  </StrictMode>,
);
