// Package app holds baoxiao's use cases: importing invoices, expense
// reports and their status sync with WeChat. Each service declares the
// small interfaces it consumes (repositories, the WeChat gateway, a clock,
// a transaction runner); infra provides them and main wires them.
package app
