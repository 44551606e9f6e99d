// Package ui is the person's portal: server-rendered pages (html/template,
// assets embedded) where a signed-in person sees every fact held about
// them, their grades with their explanations, the consents they gave and
// the decisions taken about them, and asks for a human review (charter
// points 4, 5 and 7). The published scorecards and the company register
// are public pages. Under /console/ it is also the operator console
// (console.go), for the holders of operators', policy administrators' and
// reviewers' API keys.
//
// Pages work without JavaScript. Every state-changing request is a POST
// form carrying the session's CSRF token, and is also refused when the
// browser says it comes from another origin. The portal calls the domain
// services directly, never the JSON API.
//
// A person's pages speak English, Russian or Simplified Chinese
// (i18n.go): the browser's Accept-Language or the person's choice picks
// the language, and their messages come from one catalogue
// (messages.go) that every template's text must be in. So do the
// console's, the public scorecard, register, verifier and open-data
// pages (messages_console.go, i18n_console.go), with dates, numbers and
// periods in the page's language; what a service wrote in English (a
// scorecard's own prose without a translation, a verifier's refusal) is
// marked lang="en", and what a person wrote is shown as written.
//
// An error page's status is the one candor.HTTPStatus gives its code, as
// the API's is.
package ui
