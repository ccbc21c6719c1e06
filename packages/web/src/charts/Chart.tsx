import { useEffect, useRef } from 'react';
import { useTheme } from '../state/theme.js';
import { echarts, type ChartOption } from './echarts.js';

export interface ChartProps {
  option: ChartOption;
  /** What the chart shows, for screen readers (a canvas has no text of its own). */
  label: string;
  height?: number;
  /** Called with the category (x value or slice name) the user clicked. */
  onSelect?: (name: string) => void;
}

/** One ECharts instance bound to a div: redrawn when the option or the theme changes, resized with its box. */
export function Chart({ option, label, height = 260, onSelect }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const { theme } = useTheme();
  const select = useRef(onSelect);
  select.current = onSelect;

  useEffect(() => {
    if (!el.current) return;
    const instance = echarts.init(el.current, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (p) => {
      const name = (p as { name?: string }).name;
      if (name && select.current) select.current(name);
    });
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [theme]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', animation: false, ...option }, { notMerge: true });
  }, [option, theme]);

  return <div ref={el} className="chart" role="img" aria-label={label} style={{ height }} data-chart={label} />;
}
