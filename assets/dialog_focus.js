/*
 * Where the keyboard focus goes when one of imageapp's dialogs closes (imported by the
 * compiled Reflex pages).
 *
 * The dialogs open from the server (after a question is worked out), not from a Radix
 * Trigger, so Radix has no element to give the focus back to and would drop it on the body.
 * Here the dialog remembers what had the focus when it opened and gives it back when it
 * closes (Escape, "Keep"). After the confirming button the opener may be about to disappear
 * (the gallery it deletes, the images it deletes), so the focus goes to the page's heading.
 */

let opener = null;
let confirmed = false;

/* onOpenAutoFocus: the focus is still on what opened the dialog. */
export function rememberOpener() {
  const active = document.activeElement;
  opener = active instanceof HTMLElement && active !== document.body ? active : null;
  confirmed = false;
}

/* The confirming button was pressed: what opened the dialog may go away. */
export function markConfirmed() {
  confirmed = true;
}

/* onCloseAutoFocus: back to the opener, or the page's heading. */
export function giveFocusBack() {
  const heading = document.querySelector("main h1");
  const target = !confirmed && opener?.isConnected ? opener : heading;
  opener = null;
  confirmed = false;
  target?.focus({ preventScroll: false });
}
