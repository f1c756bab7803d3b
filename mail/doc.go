// Package mail renders Lectern's emails and delivers them.
//
// Every email goes through the outbox (lectern.MessageService): the Router
// renders it with a Renderer and stores it, with its delivery job, in the
// same transaction as the state change it reports; the jobs package
// delivers it with a lectern.MailSender (SMTPSender, LogSender), retrying
// with backoff while the SMTP server is down. With no SMTP_URL the
// messages stay queued in the outbox, where admins read them.
//
// # Rendering
//
// A Renderer writes in one language (LANGUAGE_CODE) from the shared
// catalogs of package locale (keys mail.*), through embedded templates:
// templates/<name>.txt with text/template for the text part and
// templates/<name>.html with html/template for the HTML part, so that file
// names, titles and recorder names are escaped there (Pod puts them in
// raw). Two emails exist:
//
//   - NewRecording, to the recorder's manager (or every superuser): the
//     subject is "[<SITE_TITLE>] New recording added" as in Pod, and the
//     body names the site and the recorder and carries the add-form link of
//     LinkFor; it gives the deposit's date and time in TIME_ZONE
//     (RendererConfig.Location, the zone named), its size, and its
//     duration and still when the Router could take them (HTML part, as a
//     data URL the SMTP sender sends inline: inline.go).
//   - AdminReport, to the superusers, about a deposit nobody receives: its
//     file, its recorder (or none, and its directory), the reason, and a
//     link to the deposit's admin page.
//
// # Sending
//
// NewSender reads SMTP_URL: smtp://[user:password@]host[:port] (port 587,
// STARTTLS when the server offers it), or smtps://... (port 465, implicit
// TLS). A server that offers STARTTLS, or an smtps one, must present a
// certificate the system trusts (SMTPConfig.TLSConfig may name others).
// With a user, PLAIN or LOGIN authentication is picked from what the
// server offers; credentials are only sent over TLS or to a loopback
// server. Each delivery is bounded by a timeout and by its context. Each message goes out as multipart/alternative (text, then HTML)
// with From, To, Date, a Message-ID stable across retries, and
// Auto-Submitted: auto-generated. LogSender only logs messages, for
// development.
package mail
