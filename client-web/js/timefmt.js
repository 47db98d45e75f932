// Message times in the reader's locale: relative within the last hour,
// clock time for the rest of today, a date before that.

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const monthDayYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function isYesterday(d, now) {
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  return sameDay(d, y);
}

export function formatTime(date, now = new Date()) {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return '';
  const diff = now - d;
  if (sameDay(d, now)) {
    if (diff < 60e3) return 'just now';
    if (diff < 60 * 60e3) return `${Math.floor(diff / 60e3)} min ago`;
    return clock.format(d);
  }
  if (isYesterday(d, now)) return `Yesterday ${clock.format(d)}`;
  const day = d.getFullYear() === now.getFullYear() ? monthDay.format(d) : monthDayYear.format(d);
  return `${day}, ${clock.format(d)}`;
}

export function formatFull(date) {
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? '' : full.format(d);
}

export function formatDay(date, now = new Date()) {
  const d = date instanceof Date ? date : new Date(date);
  if (sameDay(d, now)) return 'Today';
  if (isYesterday(d, now)) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? weekday.format(d) : monthDayYear.format(d);
}

// Whether a time label needs refreshing as the clock moves (relative labels).
export function isRecent(date, now = new Date()) {
  const d = date instanceof Date ? date : new Date(date);
  return now - d < 2 * 60 * 60e3;
}
