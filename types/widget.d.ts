// `attention-plot/widget` (dist/widget.js): an anywidget front-end module.
// The model's traits are the plot's fields (names as in PlotFields; any subset) plus the
// outputs this module writes back: `weights` (number[]), `entropy` (number), `output` (number[]).

/** The part of anywidget's model this module uses. */
export interface WidgetModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  on(event: string, callback: () => void): void;
  off(event?: string | null, callback?: (() => void) | null): void;
  save_changes(): void;
}

export interface RenderProps {
  model: WidgetModel;
  el: HTMLElement;
}

declare const widget: {
  /** Mounts the plot in `el`; returns the cleanup function. */
  render(props: RenderProps): () => void;
};
export default widget;
