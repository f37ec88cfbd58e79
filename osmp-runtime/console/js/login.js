// The login dialog: the password method, as the protocol requires it. The server answers
// `login` with a `password-request` carrying a one-time token; the console answers with
// base64(RSA-PKCS#1-v1.5(utf8(password + token))) for the key of session-initiated. The
// password lives only in the dialog's field and this login's closure, never in storage.

import { byId } from './dom.js';
import { encryptPassword } from './rsa.js';

export class Login {
  /** `onChange(user)`: the session's user changed (a name, or null). */
  constructor(getClient, onChange) {
    this.getClient = getClient;
    this.onChange = onChange;
    this.pendingPassword = null;
    this.dialog = byId('login-dialog');
    this.message = byId('login-message');
    byId('login-open').addEventListener('click', () => this.open());
    byId('login-cancel').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => { byId('login-password').value = ''; });
    byId('logout').addEventListener('click', () => this.logout());
    byId('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  /** Answers the server's password-request on `client`. */
  install(client) {
    client.handle('password-request', (data) => {
      if (this.pendingPassword === null) throw new Error('no login in progress');
      const key = client.session?.['public-key'];
      if (!key) throw new Error('the server announced no public key');
      return { data: { 'encrypted-password': encryptPassword(key, this.pendingPassword, String(data?.token ?? '')) } };
    });
  }

  open(reason = '') {
    this.message.textContent = reason;
    if (!this.dialog.open) this.dialog.showModal();
    const user = byId('login-user');
    (user.value ? byId('login-password') : user).focus();
  }

  async submit() {
    const username = byId('login-user').value.trim();
    const password = byId('login-password');
    const submit = byId('login-submit');
    submit.disabled = true;
    this.message.textContent = 'Logging in…';
    this.pendingPassword = password.value;
    password.value = '';
    try {
      const response = await this.getClient().call('login', { username, method: 'password' });
      if (String(response.status).toUpperCase() === 'ERROR') {
        this.message.textContent = response.result ?? 'Login failed!';
        password.focus();
        return;
      }
      this.message.textContent = response.result ?? 'Login successful!';
      this.dialog.close();
      this.onChange(username, response.result);
    } catch (error) {
      this.message.textContent = error.message;
    } finally {
      this.pendingPassword = null;
      submit.disabled = false;
    }
  }

  async logout() {
    try {
      await this.getClient().call('logout');
    } finally {
      this.onChange(null, 'Logged out.');
    }
  }
}
