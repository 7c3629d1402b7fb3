import { render } from '@testing-library/react';
import { App } from '../App';
import type { FakeApi } from './fake-api';

/**
 * happy-dom does no layout: every element is 0×0, so a virtual list would think nothing fits.
 * Scroll containers of virtual lists (class "table-scroll") report a window-sized box instead.
 */
export const SCROLL_BOX = { width: 1100, height: 624 };
let layoutStubbed = false;
export function stubScrollLayout() {
  if (layoutStubbed) return;
  layoutStubbed = true;
  for (const [prop, size] of [
    ['clientHeight', SCROLL_BOX.height],
    ['clientWidth', SCROLL_BOX.width],
    ['offsetHeight', SCROLL_BOX.height],
    ['offsetWidth', SCROLL_BOX.width],
    // Tall enough for any list: the virtualizer clamps scrolling to its own total size.
    ['scrollHeight', 1e9],
  ] as const) {
    const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop) ?? Object.getOwnPropertyDescriptor(Element.prototype, prop);
    Object.defineProperty(HTMLElement.prototype, prop, {
      configurable: true,
      get(this: HTMLElement) {
        if (this.classList?.contains('table-scroll')) return size;
        return (original?.get?.call(this) as number | undefined) ?? 0;
      },
    });
  }
}

export function renderApp(api: FakeApi) {
  stubScrollLayout();
  const view = render(<App api={api} />);
  const root = () => view.container.querySelector('[data-app-state]');
  return { ...view, root };
}
