// Command ferretdb starts FerretDB's embeddable server so that local runs and
// tests get a real MongoDB-wire-compatible database without downloading mongod.
// Flags: -listen 127.0.0.1:0 -data DIR [-postgresql URL]. It prints one line
// "listening <host:port>" on stdout once the listener is up, and stops on
// SIGINT/SIGTERM or when its standard input closes (its parent died).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	data := flag.String("data", "", "SQLite data directory")
	pg := flag.String("postgresql", "", "PostgreSQL URL (instead of SQLite)")
	logLevel := flag.String("log-level", "error", "FerretDB log level")
	flag.Parse()

	conf := ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level(*logLevel)})),
	}
	if *pg != "" {
		conf.Handler = "postgresql"
		conf.PostgreSQLURL = *pg
	} else {
		if *data == "" {
			log.Fatal("-data is required for the SQLite handler")
		}
		if err := os.MkdirAll(*data, 0o700); err != nil {
			log.Fatal(err)
		}
		conf.Handler = "sqlite"
		conf.SQLiteURL = "file:" + *data + "/"
	}

	f, err := ferretdb.New(&conf)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go func() {
		// The parent holds our stdin open; EOF means it is gone, so we go too.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()

	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()

	fmt.Println("listening " + f.MongoDBURI())
	<-done
}

func level(name string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(name)); err != nil {
		return slog.LevelError
	}
	return l
}
