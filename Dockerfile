# A small production image: the portal binary with its embedded migrations, templates
# and static files. It expects DATABASE_URL (see docker-compose.yml).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/portal ./cmd/portal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /portal
ENV PORTAL_ADDR=0.0.0.0:8080 PORTAL_ENV=production
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/portal"]
CMD ["serve"]
