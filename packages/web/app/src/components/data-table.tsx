import type { ComponentChildren } from 'preact';

/** A column of row actions: its heading is for screen readers only. */
export const ACTIONS = null;

/**
 * A table of rows with column headings: the one markup the pages' lists share. `caption` is for
 * screen readers (the section's heading says it to the eye); the children are the body's rows.
 */
export function DataTable(props: {
  columns: readonly (string | typeof ACTIONS)[];
  caption?: string;
  class?: string;
  testId?: string;
  bodyTestId?: string;
  children: ComponentChildren;
}) {
  return (
    <table class={props.class} data-testid={props.testId}>
      {props.caption === undefined ? null : <caption class="visually-hidden">{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((column, i) => (
            <th scope="col" key={i}>
              {column ?? <span class="visually-hidden">Actions</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody data-testid={props.bodyTestId}>{props.children}</tbody>
    </table>
  );
}
