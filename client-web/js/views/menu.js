// A menu button (WAI-ARIA menu pattern): Enter, Space or ↓ opens it on the
// first item, ↑ on the last; arrows, Home and End move between the items
// shown; Escape closes it and gives focus back to the button; Tab and a
// click elsewhere close it.
export function menuButton(button, menu) {
  const items = () => [...menu.querySelectorAll('[role^="menuitem"]')].filter((el) => !el.closest('[hidden]') && !el.disabled);
  const isOpen = () => !menu.hidden;

  function close(refocus = true) {
    if (!isOpen()) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }

  function open(which = 'first') {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const list = items();
    const target = which === 'last' ? list[list.length - 1] : list[0];
    target?.focus();
  }

  button.addEventListener('click', () => { if (isOpen()) close(); else open(); });
  button.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      open(e.key === 'ArrowUp' ? 'last' : 'first');
    }
  });
  menu.addEventListener('keydown', (e) => {
    const list = items();
    const i = list.indexOf(document.activeElement);
    const move = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: list.length - 1 }[e.key];
    if (move !== undefined) {
      e.preventDefault();
      list[(move + list.length) % list.length]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      close(false);
    }
  });
  // Choosing an item closes the menu before the item acts (it may open a
  // dialog, which gives focus back to the button when it closes).
  menu.addEventListener('click', (e) => { if (e.target.closest('[role^="menuitem"]')) close(); }, true);
  document.addEventListener('pointerdown', (e) => {
    if (isOpen() && !menu.contains(e.target) && !button.contains(e.target)) close(false);
  });
  return { open, close, isOpen };
}
