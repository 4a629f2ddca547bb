export { DASHBOARD_VIEW } from './dashboard.view.js';
