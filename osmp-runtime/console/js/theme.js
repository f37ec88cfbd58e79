// Light and dark: the page follows prefers-color-scheme until the operator picks one with
// the toggle; the choice is kept in localStorage.

const KEY = 'osmp-console.theme';
const MODES = ['system', 'dark', 'light'];

function stored() {
  const mode = localStorage.getItem(KEY);
  return MODES.includes(mode) ? mode : 'system';
}

function apply(mode, button) {
  if (mode === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = mode;
  const dark = mode === 'dark' || (mode === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  button.textContent = `Theme: ${mode === 'system' ? `system (${dark ? 'dark' : 'light'})` : mode}`;
  button.dataset.mode = mode;
}

/** Wires the toggle: system → dark → light → system. */
export function initTheme(button) {
  let mode = stored();
  apply(mode, button);
  button.addEventListener('click', () => {
    mode = MODES[(MODES.indexOf(mode) + 1) % MODES.length];
    if (mode === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, mode);
    apply(mode, button);
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => apply(mode, button));
}
