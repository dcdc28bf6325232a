import type { ComponentChildren, InputHTMLAttributes } from 'preact';

/** An input's attributes but its id, value and edits, which a TextField sets (one type per input `type`). */
type InputAttributes =
  InputHTMLAttributes<HTMLInputElement> extends infer Each
    ? Each extends unknown
      ? Omit<Each, 'id' | 'value' | 'onInput'>
      : never
    : never;

/**
 * A labelled input whose value is text (`type` text, email, password, tel, time…), reporting each edit as a string. `beside` (a
 * button of its form) stands in one row with the input, under the label.
 */
export function TextField(
  props: InputAttributes & {
    id: string;
    label: string;
    value: string;
    onValue: (value: string) => void;
    beside?: ComponentChildren;
  },
) {
  const { id, label, value, onValue, beside, ...attributes } = props;
  const input = <input {...attributes} id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} />;
  return (
    <>
      <label for={id}>{label}</label>
      {beside === undefined ? (
        input
      ) : (
        <div class="row">
          {input}
          {beside}
        </div>
      )}
    </>
  );
}
