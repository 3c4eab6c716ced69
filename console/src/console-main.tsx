import { render } from 'preact';
import { createApi, credentialFromFragment } from './api';
import { ConsoleApp } from './console-app';

const token = credentialFromFragment('staff', 'outcome-engine.staff-token', window.location, window.history, window.sessionStorage);
const root = document.getElementById('app');
if (root) render(<ConsoleApp api={createApi(() => token)} signedIn={token !== undefined} />, root);
