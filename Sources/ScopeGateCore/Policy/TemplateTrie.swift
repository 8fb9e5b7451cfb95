/// The templated routes of a ``RouteTable`` as a segment trie: each node has its literal
/// children (keyed by segment bytes) and at most one variable child (`{name}`, any non-empty
/// segment; names do not matter, so `/u/{id}/a` and `/u/{x}/b` share the node).
///
/// ``match(_:)`` walks the path's segments depth first, the literal child before the variable
/// child, and keeps the deepest route found; at equal depth the first found. Because the config
/// decoder refuses ambiguous templates (``PathTemplate/ambiguity(with:)``), the routes of one
/// depth that match a path are ordered by specificity, and the most specific one is the first
/// in literal-before-variable order: the result is the route ``PathTemplate`` specificity picks.
/// A subtree with no route deeper than the best found so far is not entered. The cost depends
/// on the path's depth and the branches that match it, not on the number of routes; nothing is
/// allocated (the path is looked up by slices, and the recursion is on the stack).
struct TemplateTrie: Sendable {
    /// Small and route-free, so that reading one during a lookup retains nothing but its dictionary.
    private struct Node: Sendable {
        var literals: [Substring: Int] = [:]
        /// Index in `nodes`; -1: none.
        var variable = -1
        /// Index in `routes`; -1: none.
        var route = -1
        /// The depth of the deepest route in this node's subtree (itself included); -1 for none.
        var deepest = -1
    }

    private var nodes: [Node] = [Node()]
    private var routes: [Route] = []

    /// - Parameters:
    ///   - routes: templated routes (their segments are read from ``Route/template``).
    ///   - fold: store literal segments in ASCII lower case (for a path folded the same way).
    init(_ routes: [Route], fold: Bool) {
        for route in routes {
            var node = 0
            for segment in route.template.segments {
                switch segment {
                case .literal(let text):
                    let key = Substring(fold ? RouteTable.fold(text) : text)
                    if let child = nodes[node].literals[key] {
                        node = child
                    } else {
                        nodes.append(Node())
                        nodes[node].literals[key] = nodes.count - 1
                        node = nodes.count - 1
                    }
                case .variable:
                    if nodes[node].variable >= 0 {
                        node = nodes[node].variable
                    } else {
                        nodes.append(Node())
                        nodes[node].variable = nodes.count - 1
                        node = nodes.count - 1
                    }
                }
            }
            // Folded twins (`/A/{x}`, `/a/{y}`) share a node: the first keeps it.
            if nodes[node].route < 0 {
                nodes[node].route = self.routes.count
                self.routes.append(route)
            }
        }
        computeDeepest(0, depth: 0)
    }

    @discardableResult
    private mutating func computeDeepest(_ node: Int, depth: Int) -> Int {
        var deepest = nodes[node].route < 0 ? -1 : depth
        for child in nodes[node].literals.values { deepest = max(deepest, computeDeepest(child, depth: depth + 1)) }
        if nodes[node].variable >= 0 { deepest = max(deepest, computeDeepest(nodes[node].variable, depth: depth + 1)) }
        nodes[node].deepest = deepest
        return deepest
    }

    /// The route for the normalised `path` (a trailing `/` ignored), or `nil`.
    func match(_ path: String) -> Route? {
        var candidate = Substring(path)
        guard candidate.utf8.first == UInt8(ascii: "/") else { return nil }
        if candidate.utf8.count > 1, candidate.utf8.last == UInt8(ascii: "/") {
            candidate = candidate[..<candidate.utf8.index(before: candidate.endIndex)]
        }
        var best = (route: -1, depth: -1)
        search(0, from: candidate.utf8.index(after: candidate.startIndex), depth: 0, in: candidate, best: &best)
        return best.route < 0 ? nil : routes[best.route]
    }

    private func search(_ node: Int, from index: String.Index, depth: Int, in path: Substring, best: inout (route: Int, depth: Int)) {
        if nodes[node].route >= 0, depth > best.depth { best = (nodes[node].route, depth) }
        guard nodes[node].deepest > best.depth, index < path.endIndex else { return }
        let end = path.utf8[index...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
        let segment = path[index..<end]
        let next = end < path.endIndex ? path.utf8.index(after: end) : end
        if let child = nodes[node].literals[segment] { search(child, from: next, depth: depth + 1, in: path, best: &best) }
        if nodes[node].variable >= 0, !segment.isEmpty { search(nodes[node].variable, from: next, depth: depth + 1, in: path, best: &best) }
    }
}
