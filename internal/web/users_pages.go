package web

import (
	"net/http"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func roleOptions() []pages.RoleOption {
	var out []pages.RoleOption
	for _, r := range accounts.AllRoles() {
		out = append(out, pages.RoleOption{Value: string(r), Label: accounts.RoleLabel(r) + " (" + string(r) + ")"})
	}
	return out
}

func (s *Server) usersView(r *http.Request, form pages.UserForm) (pages.Users, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	res, req, err := fetchPage(r, accounts.UserSorts, accounts.UserFilter{Query: q}, s.accounts.UserPage)
	if err != nil {
		return pages.Users{}, err
	}
	v := pages.Users{
		Columns:     pagedColumns(r, req, [][2]string{{"name", "Name"}, {"email", "Email"}, {"", "Roles"}, {"", "State"}, {"created", "Created"}}),
		Form:        form,
		RoleOptions: roleOptions(),
		Query:       q,
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	for _, u := range res.Items {
		row := pages.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, Disabled: u.DisabledAt != nil, Created: fmtTime(u.CreatedAt)}
		for _, role := range u.Roles {
			row.Roles = append(row.Roles, string(role))
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	v, err := s.usersView(r, pages.UserForm{Roles: map[string]bool{}, Errors: view.FieldErrors{}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, pages.UsersPage(s.pageData(r, "Users"), v))
}

func (s *Server) userCreatePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
		return
	}
	form := pages.UserForm{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Roles: map[string]bool{}, Errors: view.FieldErrors{}}
	in := accounts.NewUser{Email: form.Email, Name: form.Name, Password: r.PostForm.Get("password")}
	for _, v := range r.PostForm["roles"] {
		form.Roles[v] = true
		in.Roles = append(in.Roles, accounts.Role(v))
	}
	u, err := s.accounts.CreateUser(r.Context(), actor(r), in)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		form.Errors = e.Fields
		v, lerr := s.usersView(r, form)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.UsersPage(s.pageData(r, "Users"), v))
		return
	}
	s.flash(r, "ok", "Added "+u.Name+" <"+u.Email+">.")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

func (s *Server) userUpdatePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
		return
	}
	roles := []accounts.Role{}
	for _, v := range r.PostForm["roles"] {
		roles = append(roles, accounts.Role(v))
	}
	disabled := r.PostForm.Get("disabled") == "1"
	u, err := s.accounts.UpdateUser(r.Context(), actor(r), id, accounts.UserUpdate{Roles: roles, Disabled: &disabled})
	if err != nil {
		if e, ok := errs.As(err); ok && (e.Code == errs.Invalid || e.Code == errs.Conflict) {
			s.flash(r, "error", e.Error())
			http.Redirect(w, r, "/users", http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Saved "+u.Name+".")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}
