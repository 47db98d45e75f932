// The pages before a session: loading, sign-in, and sign-up (setting a
// password from the one-time link an administrator sent, "#signup=TOKEN").
import { $ } from '../dom.js';
import * as api from '../api.js';
import { on, limit } from '../state.js';
import * as session from '../session.js';

function signupToken() {
  const m = /^#signup=([^&]+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

export async function boot() {
  const token = signupToken();
  if (token) {
    $('boot').hidden = true;
    showSignUp(token);
    return;
  }
  let delay = 1000;
  for (;;) {
    try {
      const user = await api.me();
      $('boot').hidden = true;
      if (user) session.start(user); else showSignIn();
      return;
    } catch {
      $('boot').textContent = 'Can’t reach Weft right now. Retrying…';
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }
}

function showSignIn(message) {
  $('app').hidden = true;
  hideSignUp();
  $('signin').hidden = false;
  document.title = 'Sign in · Weft';
  const err = $('signin-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('signin-username').focus();
}

async function submitSignIn(e) {
  e.preventDefault();
  const username = $('signin-username').value.trim();
  const password = $('signin-password').value;
  const err = $('signin-error');
  if (!username || !password) {
    err.textContent = !username ? 'Enter your username.' : 'Enter your password.';
    err.hidden = false;
    (!username ? $('signin-username') : $('signin-password')).focus();
    return;
  }
  const btn = $('signin-submit');
  btn.disabled = true;
  btn.textContent = 'Signing in…';
  err.hidden = true;
  try {
    const user = await api.login(username, password);
    $('signin-password').value = '';
    session.start(user);
  } catch (ex) {
    err.textContent = ex.message;
    err.hidden = false;
    $('signin-password').select();
    $('signin-password').focus();
  } finally {
    btn.disabled = false;
    btn.textContent = 'Sign in';
  }
}

// ---------------------------------------------------------------- sign-up

let signupTokenValue = null;

function hideSignUp() {
  $('signup')?.remove();
}

function showSignUp(token) {
  signupTokenValue = token;
  $('app').hidden = true;
  $('signin').hidden = true;
  hideSignUp();
  const page = $('signup-template').content.firstElementChild.cloneNode(true);
  $('app').before(page);
  document.title = 'Set your password · Weft';
  const min = limit('min_password');
  $('signup-password').minLength = min;
  $('signup-hint').textContent = `At least ${min} characters. A few unrelated words make a strong, memorable password.`;
  wireSignUp();
  $('signup-password').focus();
}

function showSignupError(text, field) {
  const err = $('signup-error');
  err.textContent = text;
  err.hidden = !text;
  for (const id of ['signup-password', 'signup-confirm']) {
    if (id === field) $(id).setAttribute('aria-invalid', 'true'); else $(id).removeAttribute('aria-invalid');
  }
  if (field) $(field).focus();
}

function forgetSignupFragment() {
  if (signupToken()) history.replaceState(null, '', location.pathname + location.search);
}

function wireSignUp() {
  $('signup-show').addEventListener('change', () => {
    const type = $('signup-show').checked ? 'text' : 'password';
    $('signup-password').type = type;
    $('signup-confirm').type = type;
  });
  $('signup-form').addEventListener('submit', submitSignUp);
  $('signup-to-signin').addEventListener('click', () => {
    forgetSignupFragment();
    showSignIn();
  });
}

// The password and its confirmation, checked before anything is sent.
function signupProblem(pw, confirm) {
  const min = limit('min_password');
  if ([...pw].length < min) {
    return [pw ? `This password is too short: use at least ${min} characters (it has ${[...pw].length}).` : 'Enter a new password.', 'signup-password'];
  }
  if (pw !== confirm) {
    return [confirm ? 'The two passwords don’t match. Type the same password in both fields.' : 'Type the password again to confirm it.', 'signup-confirm'];
  }
  return null;
}

async function submitSignUp(e) {
  e.preventDefault();
  const pw = $('signup-password').value;
  const problem = signupProblem(pw, $('signup-confirm').value);
  if (problem) { showSignupError(...problem); return; }
  showSignupError('');
  const btn = $('signup-submit');
  btn.disabled = true;
  btn.textContent = 'Setting password…';
  try {
    const user = await api.signup(signupTokenValue, pw, limit('min_password'));
    signupTokenValue = null;
    forgetSignupFragment();
    hideSignUp();
    session.start(user);
  } catch (ex) {
    btn.disabled = false;
    btn.textContent = 'Set password';
    if (ex.status === 401) showDeadLink(ex.message);
    else showSignupError(ex.message, ex.status === 400 ? 'signup-password' : null);
  }
}

// A used, expired or unknown link: say so and offer the sign-in page.
function showDeadLink(text) {
  signupTokenValue = null;
  forgetSignupFragment();
  $('signup-password').value = '';
  $('signup-confirm').value = '';
  $('signup-form').hidden = true;
  $('signup-lede').hidden = true;
  $('signup-title').textContent = 'This link can’t be used';
  document.title = 'Sign-up link can’t be used · Weft';
  $('signup-dead').hidden = false;
  $('signup-dead-text').textContent = text;
  $('signup-to-signin').focus();
}

export function init() {
  $('signin-form').addEventListener('submit', submitSignIn);
  // A sign-up link pasted into this tab: start over on the sign-up page.
  window.addEventListener('hashchange', () => { if (signupToken()) location.reload(); });
  on('session', ({ signedIn, notice }) => {
    if (signedIn) {
      $('signin').hidden = true;
      hideSignUp();
      $('app').hidden = false;
    } else {
      showSignIn(notice);
    }
  });
}
