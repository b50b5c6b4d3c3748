/*
 * Drag and drop ordering of a gallery's images (imported by the compiled Reflex pages).
 *
 * React keeps rendering the items in the order the server sends; this only tells the server
 * which item was dropped before or after which other one (`onMove`), and the server moves it.
 * Items are the list's elements carrying `data-sort-id`. The move buttons on every item do the
 * same by keyboard; while dragging, the item under the pointer is marked `data-drop="before"`
 * or `"after"` for the page's CSS.
 */
import { createElement, useRef } from "react";

const TYPE = "application/x-imageapp-image";

function itemAt(target, list) {
  const item = target instanceof Element ? target.closest("[data-sort-id]") : null;
  return item && list && list.contains(item) ? item : null;
}

function dropsAfter(item, event) {
  const box = item.getBoundingClientRect();
  return event.clientY > box.top + box.height / 2;
}

function unmark(list, attribute) {
  list?.querySelectorAll(`[${attribute}]`).forEach((item) => item.removeAttribute(attribute));
}

export function SortableList({ onMove, children, ...props }) {
  const list = useRef(null);
  const dragged = useRef(null);
  const finish = () => {
    dragged.current = null;
    unmark(list.current, "data-drop");
    unmark(list.current, "data-dragging");
  };
  return createElement(
    "div",
    {
      ...props,
      ref: list,
      onDragStart: (event) => {
        const item = itemAt(event.target, list.current);
        if (!item) {
          return;
        }
        dragged.current = item.dataset.sortId;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData(TYPE, item.dataset.sortId);
        item.setAttribute("data-dragging", "true");
      },
      onDragOver: (event) => {
        const item = itemAt(event.target, list.current);
        if (dragged.current === null || !item) {
          return; // files from the desktop, or another list's items: not ours
        }
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        const where = item.dataset.sortId === dragged.current ? null : dropsAfter(item, event);
        const mark = where === null ? null : where ? "after" : "before";
        if (item.getAttribute("data-drop") !== mark) {
          unmark(list.current, "data-drop");
          if (mark) {
            item.setAttribute("data-drop", mark);
          }
        }
      },
      onDragLeave: (event) => {
        if (!list.current?.contains(event.relatedTarget)) {
          unmark(list.current, "data-drop");
        }
      },
      onDrop: (event) => {
        const item = itemAt(event.target, list.current);
        const id = dragged.current;
        if (id === null || !item) {
          return;
        }
        event.preventDefault();
        const after = dropsAfter(item, event);
        finish();
        if (item.dataset.sortId !== id) {
          onMove?.({ image_id: Number(id), target_id: Number(item.dataset.sortId), after });
        }
      },
      onDragEnd: finish,
    },
    children,
  );
}
