/** A labelled whole-number input; out-of-range values are left to the browser's own validation message. */
export function NumberField(props: {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        inputMode="numeric"
        required
        step={1}
        min={props.min}
        max={props.max}
        value={props.value}
        onInput={(e) => {
          const value = e.currentTarget.valueAsNumber;
          if (Number.isInteger(value)) props.onChange(value);
        }}
      />
    </>
  );
}
