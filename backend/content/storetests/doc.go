// Package storetests tests content previews on the real stores: the local
// store, and the AWS store on versitygw through a counting proxy. It holds
// only tests; they live apart from package content so that its unit tests
// and fuzz targets run without starting servers.
package storetests
