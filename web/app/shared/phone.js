// Whether a phone number may be dialled: the one place the page decides it. The server masks people's phones
// for callers outside their scope (src/app/privacy.rs: `139****7634`); a masked number dialled as its visible
// digits is a call to a stranger, so it is never a link, only text.

/** Whether `phone`, as the server sent it, is masked (any digit hidden behind `*`). */
export function isMaskedPhone(phone) {
  return /[*＊•]/.test(String(phone ?? ''));
}

/** The `tel:` address of `phone`, or null when it must not be dialled (masked, or too few digits to be one). */
export function telHref(phone) {
  const text = String(phone ?? '').trim();
  if (!text || isMaskedPhone(text)) return null;
  const digits = text.replace(/[^\d+]/g, '');
  return digits.replace(/\D/g, '').length >= 3 ? `tel:${digits}` : null;
}

/** A phone as a DOM node: a tap-to-call link when it may be dialled, plain text otherwise. */
export function phoneNode(phone, className = 'gm-phone') {
  const href = telHref(phone);
  const node = document.createElement(href ? 'a' : 'span');
  node.className = href ? `${className} gm-tel` : className;
  node.textContent = String(phone ?? '');
  if (href) node.href = href;
  return node;
}
