// Package lectern is the core of Lectern: the domain types of a deposit's
// life, the rules that apply to them, and the service interfaces that the
// edges (sqlite, web, api, cmd/lectern, and later ftp, watch, mail, jobs,
// ffmpeg) implement or consume. It imports the standard library only.
//
// # The life of a deposit
//
// A recorder in a lecture room exports a file (FTP, SFTP, HTTP) into its own
// directory under DEFAULT_RECORDER_PATH. Lectern notices that the transfer is
// complete and which recorder sent it, and writes one Treatment row for it,
// exactly once. The treatment is then routed by the recorder's settings: the
// recorder's manager is mailed a link to the add form, the recording is
// published automatically, or it waits in the claim list. Publishing creates
// a Recording, and a job turns the recording into a Video owned by the right
// user with the recorder's defaults, encoded for the web; audiovideocast ZIPs
// also bring timed slides (enrichments).
//
// Every state is a database row, never only memory: a restart at any point
// loses nothing and publishes nothing twice.
//
// # Names
//
// Types and fields keep the names of Esup-Pod's models (Recorder.AddressIP,
// Recorder.Salt, Recorder.IsDraft...) so that administrators moving from Pod
// recognise them; JSON uses Pod's snake_case field names.
package lectern
