export { buildApiApp, type ApiDependencies } from './app.js';
export { generateApiToken, hashApiToken } from './auth/api-token.js';
export { createOrganization, type CreatedOrganization, type NewOrganization } from './orgs/create-organization.js';
