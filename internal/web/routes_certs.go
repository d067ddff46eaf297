package web

// certRoutes is this area's part of the route table (see routeTable).
func (s *Server) certRoutes() []route {
	return nil
}
