import { createContext, useContext } from 'react';

export type Theme = 'light' | 'dark';

const STORAGE = 'tally.theme';

/** The theme the user chose last, else the system's. */
export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(STORAGE);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage unavailable: follow the system
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function saveTheme(theme: Theme): void {
  try {
    localStorage.setItem(STORAGE, theme);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
  document.documentElement.dataset.theme = theme;
}

export const ThemeContext = createContext<{ theme: Theme; toggle: () => void }>({
  theme: 'light',
  toggle: () => undefined,
});

export const useTheme = () => useContext(ThemeContext);
