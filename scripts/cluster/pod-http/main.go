// pod-http answers HTTP for every pod IP of the local control plane. It runs inside the
// bifrost-pods network namespace (scripts/cluster/pod-network.sh), where the whole pod CIDR is a
// local route on lo, so a connection to any pod IP lands here with that IP as its local address.
//
// The answer depends on the pod IP the client dialled:
//   - <answers>/<podIP>.json, if present, answers every request to that IP:
//     {"status": 503, "body": "…", "contentType": "application/json"}
//     (contentType defaults to application/json; the file is read on each request).
//   - otherwise GET /health answers 200 with Bifrost's healthy body, and any other path 404.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Bifrost's own /health answer when its stores answer their pings.
const healthyBody = `{"status":"ok","components":{"db_pings":"ok"}}`

// answer is the content of an answer file.
type answer struct {
	Status      int    `json:"status"`
	Body        string `json:"body"`
	ContentType string `json:"contentType"`
}

func main() {
	answers := flag.String("answers", "", "directory of <podIP>.json answer files (required)")
	ports := flag.String("ports", "8080", "comma-separated TCP ports to listen on, on every address")
	flag.Parse()
	if *answers == "" {
		log.Fatal("-answers is required")
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds | log.LUTC)

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The address the client dialled: the pod IP.
		local, _ := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
		podIP := ""
		if local != nil {
			podIP = local.IP.String()
		}
		status := serve(w, r, *answers, podIP)
		log.Printf("%s -> %s %s %s %d", r.RemoteAddr, local, r.Method, r.URL.Path, status)
	})

	errs := make(chan error)
	for _, port := range strings.Split(*ports, ",") {
		port = strings.TrimSpace(port)
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			log.Fatalf("bad port %q", port)
		}
		listener, err := net.Listen("tcp4", "0.0.0.0:"+port)
		if err != nil {
			log.Fatal(err)
		}
		server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		go func() { errs <- server.Serve(listener) }()
		log.Printf("listening on 0.0.0.0:%s, answers from %s", port, *answers)
	}
	log.Fatal(<-errs)
}

// serve writes the answer for podIP and returns the status it wrote.
func serve(w http.ResponseWriter, r *http.Request, answers, podIP string) int {
	configured, err := readAnswer(answers, podIP)
	switch {
	case err != nil:
		return write(w, http.StatusInternalServerError, "text/plain; charset=utf-8", "pod-http: "+err.Error()+"\n")
	case configured != nil:
		contentType := configured.ContentType
		if contentType == "" {
			contentType = "application/json"
		}
		return write(w, configured.Status, contentType, configured.Body)
	case r.URL.Path == "/health":
		return write(w, http.StatusOK, "application/json", healthyBody)
	default:
		return write(w, http.StatusNotFound, "text/plain; charset=utf-8", "404 page not found\n")
	}
}

// readAnswer returns the answer file's content for podIP, nil when there is none.
func readAnswer(dir, podIP string) (*answer, error) {
	if net.ParseIP(podIP) == nil { // never a path built from anything but an IP
		return nil, fmt.Errorf("no local IP for this connection")
	}
	file := filepath.Join(dir, podIP+".json")
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if a.Status < 100 || a.Status > 599 {
		return nil, fmt.Errorf("%s: status %d is not an HTTP status", file, a.Status)
	}
	return &a, nil
}

func write(w http.ResponseWriter, status int, contentType, body string) int {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return status
}
