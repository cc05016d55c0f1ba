// Starts Swagger UI on this service's OpenAPI document. A file of its own rather than an inline
// script, so that the page runs under a Content-Security-Policy that allows scripts from 'self'
// only.
"use strict";

window.ui = SwaggerUIBundle({
  // Relative to the page (/docs), so /openapi.json, also behind a path prefix.
  url: "openapi.json",
  dom_id: "#swagger-ui",
  // The base layout, without the standalone preset's top bar: that bar offers to load any URL.
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  displayRequestDuration: true,
  // No request to another host: the default sends the document to an online validator.
  validatorUrl: null,
  // ?url= and ?configUrl= on the page's address are ignored.
  queryConfigEnabled: false,
});
