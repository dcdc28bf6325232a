import { CalendarSection } from './calendar-section.js';
import { DeviceSection } from './device-section.js';

/** Where the alerts come from (the calendar) and where they go (this device). */
export function Connections() {
  return (
    <>
      <CalendarSection />
      <DeviceSection />
    </>
  );
}
