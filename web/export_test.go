package web

// SafeNext is safeNext, for the browser test that holds BX.safeNext to
// the same rule.
var SafeNext = safeNext
