import { render } from '@testing-library/react';
import { App } from '../App';
import type { FakeApi } from './fake-api';

export function renderApp(api: FakeApi) {
  const view = render(<App api={api} />);
  const root = () => view.container.querySelector('[data-app-state]');
  return { ...view, root };
}
