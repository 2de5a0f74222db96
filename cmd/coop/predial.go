package main

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/transfer"
)

// commandDial is how many connections an AWS store opens to each
// endpoint as the command name starts: as many as its first requests
// need at once. Both the early pre-dial (preDialEarly) and the store's
// Open read it, so that the two agree.
func commandDial(name string) aws.PreDial {
	switch name {
	case "stat":
		// The object's HEAD and first bytes, the metadata's HEAD; the
		// repository.
		return aws.PreDial{S3: 3, DynamoDB: 1}
	case "ls":
		return aws.PreDial{S3: 1, DynamoDB: 1} // the listing; the repository
	case "download":
		// The source as a folder (the listing a folder's download walks)
		// and a file, and the metadata's checksums (transfer.Prefetch);
		// the repository. Should the source be one large file, its ranges
		// take those connections again and as many more, once its size
		// is known: they are opened now, not a handshake after that.
		return aws.PreDial{S3: transfer.RangeConcurrency, DynamoDB: 1}
	case "rm":
		// The source as a folder and a file; the repository.
		return aws.PreDial{S3: 2, DynamoDB: 1}
	case "upload":
		// Whether the repository has a document, and (one file) whether
		// the target is a folder; the repository. The files' own
		// connections are opened once they are counted (transfer's
		// Queue.Prepare, backend.Warmer).
		return aws.PreDial{S3: 2, DynamoDB: 1}
	}
	return aws.PreDial{}
}

// preDialEarly starts, before the command line is parsed and the AWS
// configuration loaded, the connections the command's store will open
// first (commandDial), so that their handshakes overlap almost the whole
// start instead of its last few milliseconds. The store's flags and
// their environment twins are read here as the command tree will read
// them (the same options.register); anything else on the line is
// skipped. It returns nil when there is nothing to dial: another
// backend, a command that dials nothing, or a line asking for help or
// failing to parse (the command's own Open still dials what it needs).
// Connections the store does not take are closed with it, or by run.
func (a *app) preDialEarly(args []string) *aws.PreDialer {
	opts := defaultOptions(a.getenv)
	if opts.backend != "aws" && !mayNameBackend(args) {
		return nil
	}
	fs := pflag.NewFlagSet("coop", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.ParseErrorsAllowlist.UnknownFlags = true
	opts.register(fs)
	if err := fs.Parse(args); err != nil || opts.backend != "aws" || opts.demo {
		return nil
	}
	dial := commandDial(fs.Arg(0))
	if dial == (aws.PreDial{}) {
		return nil
	}
	region := opts.region
	if region == "" && opts.profile == "" && a.getenv("AWS_PROFILE") == "" {
		// A guess for AWS's own endpoints (Open dials the right
		// ones if the configuration says otherwise).
		region = envOr(a.getenv, "AWS_REGION", a.getenv("AWS_DEFAULT_REGION"))
	}
	return aws.StartPreDial(aws.Config{
		Bucket:           opts.bucket,
		Region:           region,
		EndpointURL:      opts.endpointURL,
		DynamoDBEndpoint: opts.dynamoEndpoint,
		PathStyle:        opts.pathStyle,
		PreDial:          dial,
	})
}

// mayNameBackend reports whether args may set --backend: a local
// store's command lines are not parsed twice.
func mayNameBackend(args []string) bool {
	for _, arg := range args {
		if len(arg) >= 9 && arg[:9] == "--backend" {
			return true
		}
	}
	return false
}
