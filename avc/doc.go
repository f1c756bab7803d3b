// Package avc reads the ZIP archives that "audiovideocast" recorders
// deposit: a recording (sound, or sound and picture) with the slides shown
// during it, described by a SMIL file. It is the processing stage's way
// into such a deposit: Open checks the whole archive before anything is
// extracted, ExtractMedia streams the recording out to a file of the
// caller's, ExtractSlides writes the slides under names it makes up.
//
// # The archive
//
// Pod's contract (pod/recorder/plugins/type_audiovideocast.py): <name>.zip
// holds <name>/cours.smil, and the paths in the SMIL are relative to
// <name>/. Lectern also accepts the SMIL at the root of the archive, or in
// a top folder named otherwise when it is the archive's only folder (a
// deposit renamed after it was zipped). There must be exactly one
// candidate: two cours.smil files that could both be the one are refused.
// Entries under __MACOSX/ and .DS_Store files, which macOS's archiver
// adds, are never candidates, but they count against the limits.
//
// In the SMIL, the media is the first <audio src>, else the first <video
// src> (Presentation.Audio says which), and each <img src begin> is a
// slide. Elements are matched by their local name, with or without the
// SMIL namespace; a DOCTYPE is allowed, an <!ENTITY> declaration is not.
// begin is a number of seconds ("12", "12.5", as recorders write it) or
// any SMIL clock value ("12s", "1.5min", "500ms", "01:02.5",
// "00:01:02.5"): see ParseClock. Pod rounds it to whole seconds and fails
// on clock values; Lectern keeps the fractions. An <img> without begin
// starts at 0, as a child of <par> does in SMIL (recorders put every slide
// in one <par>). Slides stay in SMIL order; the core's lectern.NewSlides
// orders them by begin and says until when each one is shown, and drops
// the first (RECORDER_SKIP_FIRST_IMAGE) when asked.
//
// # What Open refuses
//
// Every refusal is a *lectern.Error with code EINVALID whose message names
// the archive's entry and says what is wrong with it; an error of any
// other kind (the disk) is not a verdict on the archive. Open reads the
// central directory and the SMIL, never the media, and refuses:
//
//   - a file that is not a ZIP archive, or a truncated one;
//   - more entries than Limits.MaxEntries (counted before the directory is
//     loaded, so a forged directory cannot fill memory), more declared
//     bytes than Limits.MaxUncompressed, an entry of more than 1 MiB that
//     would expand more than Limits.MaxRatio times, the same for the whole
//     archive, and entries whose compressed data would overlap (the
//     overlapping-files zip bomb);
//   - entry names with a ".." component, absolute ("/x", "C:"), with a
//     backslash or a control character, or marked UTF-8 without being so
//     (names in an old archive's code page are accepted: Lectern never
//     writes a file under an entry's name);
//   - symbolic links and other special files, two entries with the same
//     name (after cleaning: "a/./b" is "a/b"; a file "a" and a folder
//     "a/"), an entry inside another that is a file;
//   - no cours.smil, several, one in a folder that is neither named after
//     the archive nor its only folder; a SMIL larger than MaxSMILSize, not
//     well-formed, declaring entities, naming no media, with a begin that is
//     no clock value (negative, NaN, over MaxClock);
//   - a media or slide path that is a URL, absolute or leaves the SMIL's
//     folder, or that names no entry; an empty media or slide, an
//     encrypted one, one compressed otherwise than stored or deflated, one
//     whose data would end past the end of the file; more slides than
//     Limits.MaxEntries.
//
// # Extraction
//
// Nothing is ever written but the file ExtractMedia or FirstSlide is
// given and the files ExtractSlides names in the folder it is given, each
// created new (never over an existing file, O_EXCL) with mode 0640 and
// synced to disk. On any failure, cancellation included, the files the
// call created are removed. They copy in fixed-size chunks (memory does
// not grow with the entry), check the context between chunks, and never
// write more than the entry's declared size: an entry whose data is
// longer or shorter than declared, fails its CRC-32 or whose compressed
// data is damaged is an EINVALID error naming it. ExtractSlides, and
// FirstSlide (the slide shown first: a deposit's picture), refuse a slide
// that is not a JPEG, PNG or GIF image (by its content, whatever its
// name) or whose picture is larger than MaxSlideSide pixels on a side.
package avc
