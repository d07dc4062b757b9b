// The HTTP server behind every simulated pod IP (see ../pod-network.sh). Standard library only.
module bifrost-aks-deploy/cluster/pod-http

go 1.22
