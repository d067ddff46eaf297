package web

import (
	"net/http"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
)

type apiUser struct {
	ID       int64    `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Roles    []string `json:"roles"`
	Disabled bool     `json:"disabled"`
}

func toAPIUser(u *accounts.User) apiUser {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return apiUser{ID: u.ID, Email: u.Email, Name: u.Name, Roles: roles, Disabled: u.DisabledAt != nil}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, toAPIUser(currentUser(r)))
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		res, _, err := fetchPage(r, accounts.UserSorts, accounts.UserFilter{Query: q}, s.accounts.UserPage)
		return pagedAnswer("users", mapEach(res.Items, toAPIUser), res.Next, res.Prev), err
	})
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string   `json:"email"`
		Name     string   `json:"name"`
		Roles    []string `json:"roles"`
		Password string   `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	nu := accounts.NewUser{Email: in.Email, Name: in.Name, Password: in.Password}
	for _, role := range in.Roles {
		nu.Roles = append(nu.Roles, accounts.Role(role))
	}
	u, err := s.accounts.CreateUser(r.Context(), actor(r), nu)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, toAPIUser(u))
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		res, _, err := fetchNewestFirst(r, accounts.TokenSorts, currentUser(r).ID, s.accounts.TokenPage)
		return pagedAnswer("tokens", res.Items, res.Next, res.Prev), err
	})
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	serveBody(s, w, r, http.StatusCreated, func(in struct {
		Name string `json:"name"`
	}) (map[string]any, error) {
		plaintext, tok, err := s.accounts.CreateToken(r.Context(), actor(r), currentUser(r).ID, in.Name)
		if err != nil {
			return nil, err
		}
		return map[string]any{"token": plaintext, "id": tok.ID, "name": tok.Name, "prefix": tok.Prefix}, nil
	})
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.accounts.RevokeToken(r.Context(), actor(r), currentUser(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	res, err := s.auditPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, struct {
		Records []audit.Entry `json:"records"`
		pageCursors
	}{res.Items, pageCursors{res.Next, res.Prev}})
}
