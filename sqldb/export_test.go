package sqldb

// RecorderHealthQuery is recorderHealthQuery, for the plan tests.
var RecorderHealthQuery = recorderHealthQuery
