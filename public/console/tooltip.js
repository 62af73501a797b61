// The timeline's tooltip: a bar's details beside it, shown on hover and on keyboard focus.

/** The tooltip: a definition list beside the bar, inside the figure. */
export function tooltip(element, figure) {
  return {
    show(target, lines) {
      const list = document.createElement('dl');
      for (const [label, value] of lines) {
        const dt = document.createElement('dt');
        dt.textContent = label;
        const dd = document.createElement('dd');
        dd.textContent = value;
        list.append(dt, dd);
      }
      element.replaceChildren(list);
      element.hidden = false;
      const box = target.getBoundingClientRect();
      const frame = figure.getBoundingClientRect();
      const left = Math.min(Math.max(0, box.left - frame.left), Math.max(0, frame.width - element.offsetWidth));
      element.style.left = `${left}px`;
      element.style.top = `${box.bottom - frame.top + 6}px`;
    },
    hide() {
      element.hidden = true;
    },
  };
}
