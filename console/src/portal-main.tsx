import { render } from 'preact';
import { createApi, credentialFromFragment } from './api';
import { PortalApp } from './portal-app';

const link = credentialFromFragment('link', 'outcome-engine.portal-link', window.location, window.history, window.sessionStorage);
const root = document.getElementById('app');
if (root) render(<PortalApp api={createApi(() => link)} hasLink={link !== undefined} />, root);
