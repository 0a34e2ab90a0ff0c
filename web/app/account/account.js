// Sign-in, sign-out and password change in the top bar.
//
// The server decides everything: which routes a role may call and which household fields it sees unmasked.
// This module only shows who is signed in, sends the credentials, and keeps the session's CSRF token for
// writes (shared/api.js). The session itself is an HttpOnly cookie the page cannot read. After a sign-in, sign-out
// or password change the page reloads, so every layer is fetched again under the new rights.
//
// A one-time password (a new account, or one reset by the county admin) must be changed before anything
// else: the password dialog opens by itself and cannot be dismissed until it is done.
//
// The current account is handed to `publish` (the page publishes it as `window.gridmap.account`) and written
// to `#account-status` (JSON) for tests.

import { getJSON, postJSON, setCsrf } from '../shared/api.js';
import { el } from '../shared/dom.js';

const $ = (id) => document.getElementById(id);

function field(label, input) {
  return el('label', { class: 'account-field' }, el('span', { text: label }), input);
}

/** A modal dialog with a form; `onSubmit(form)` returns a promise, its error is shown in the dialog. */
function dialog(title, fields, submitLabel, onSubmit, { closable = true, note = '' } = {}) {
  const error = el('p', { class: 'account-error', role: 'alert', hidden: true });
  const submit = el('button', { type: 'submit', class: 'account-primary', text: submitLabel });
  const cancel = el('button', { type: 'button', text: '取消' });
  const form = el(
    'form',
    { class: 'account-dialog', 'aria-label': title },
    el('h2', { text: title }),
    ...(note ? [el('p', { class: 'account-note', text: note })] : []),
    ...fields,
    error,
    el('div', { class: 'account-actions' }, ...(closable ? [cancel] : []), submit),
  );
  const backdrop = el('div', { class: 'account-backdrop' }, form);
  const close = () => backdrop.remove();
  cancel.addEventListener('click', close);
  backdrop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && closable) close();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      await onSubmit(form);
      close();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(backdrop);
  form.querySelector('input')?.focus();
  return form;
}

function passwordInput(name, autocomplete) {
  return el('input', { name, type: 'password', required: true, autocomplete, minlength: 10 });
}

/** The password dialog; `forced` for a one-time password (cannot be dismissed). */
function changePassword(forced) {
  const oldPw = passwordInput('old_password', 'current-password');
  const newPw = passwordInput('new_password', 'new-password');
  const again = passwordInput('again', 'new-password');
  const note = forced
    ? '这是一次性密码，请先设置您自己的密码 (至少 10 个字符，不能与用户名相同)。'
    : '新密码至少 10 个字符，不能与用户名相同。修改后其他设备上的登录和 API 令牌将失效。';
  dialog(
    forced ? '设置新密码' : '修改密码',
    [field(forced ? '一次性密码' : '当前密码', oldPw), field('新密码', newPw), field('再次输入新密码', again)],
    '保存',
    async () => {
      if (newPw.value !== again.value) throw new Error('两次输入的新密码不一致');
      await postJSON('/auth/password', { old_password: oldPw.value, new_password: newPw.value });
      location.reload();
    },
    { closable: !forced, note },
  );
}

function signIn() {
  const user = el('input', { name: 'username', required: true, autocomplete: 'username', autocapitalize: 'off' });
  const pw = el('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  dialog('登录', [field('用户名', user), field('密码', pw)], '登录', async () => {
    let r;
    try {
      r = await postJSON('/auth/login', { username: user.value.trim(), password: pw.value });
    } catch (err) {
      // 401 wrong credentials, 423 locked: the server's message says which, in Chinese first.
      throw new Error(err.message.split(' (')[0]);
    }
    setCsrf(r.csrf);
    if (r.account?.must_change_password) {
      render(r.account);
      changePassword(true);
      return;
    }
    location.reload();
  });
}

// Set by installAccount: what must happen before the session ends (the offline cache is dropped).
let beforeSignOut = async () => {};

async function signOut() {
  try {
    await beforeSignOut().catch(() => null);
    await postJSON('/auth/logout', {});
  } finally {
    location.reload();
  }
}

/** An account's scope ("county", "town:CODE", "community:CODE", "grids:A,B") in words. */
function scopeText(scope) {
  const [kind, codes = ''] = String(scope || '').split(':');
  if (kind === 'county') return '全县';
  if (kind === 'town') return '一个镇/街道';
  if (kind === 'community') return '一个社区';
  if (kind === 'grids') return `${codes.split(',').filter(Boolean).length} 个网格`;
  return '';
}

function render(account) {
  const box = $('account');
  box.replaceChildren();
  if (!account) {
    const b = el('button', { type: 'button', class: 'account-button', id: 'sign-in', text: '登录' });
    b.addEventListener('click', signIn);
    box.append(b);
    return;
  }
  // The account's name is the user's own (it may be Latin letters): shown verbatim, marked so.
  const who = el('span', {
    class: 'account-who',
    'data-verbatim': 'account',
    title: `${account.username} · ${account.role_name} · ${scopeText(account.scope)}`,
    text: `${account.display_name || account.username} (${account.role_name})`,
  });
  const pw = el('button', { type: 'button', class: 'account-button', id: 'change-password', text: '修改密码' });
  const out = el('button', { type: 'button', class: 'account-button', id: 'sign-out', text: '退出' });
  pw.addEventListener('click', () => changePassword(false));
  out.addEventListener('click', signOut);
  box.append(who, pw, out);
}

function report(me) {
  let pre = $('account-status');
  if (!pre) {
    pre = el('pre', { id: 'account-status', hidden: true });
    document.body.append(pre);
  }
  pre.textContent = JSON.stringify({ signed_in: !!me.signed_in, role: me.role, account: me.account?.username ?? null });
}

/** Fills the account corner of the top bar; `publish(me)` gets the /auth/me answer. */
export async function installAccount({ publish = () => {}, beforeSignOut: before } = {}) {
  if (before) beforeSignOut = before;
  let me = { signed_in: false, role: 'viewer' };
  try {
    me = await getJSON('/auth/me');
  } catch {
    /* the server answers /auth/me to everyone; a failure leaves the page anonymous */
  }
  setCsrf(me.csrf);
  render(me.account || null);
  publish(me);
  report(me);
  if (me.account?.must_change_password) changePassword(true);
}
