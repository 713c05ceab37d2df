"""Realistic traces of every language, as the runtimes print them (used by test_traces and test_join_stacks)."""

NODE_MODULE = """\
node:internal/modules/cjs/loader:1147
  throw err;
  ^

Error: Cannot find module 'express'
Require stack:
- /usr/src/app/server.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1144:15)
    at Module._load (node:internal/modules/cjs/loader:985:27)
    at Module.require (node:internal/modules/cjs/loader:1235:19)
    at require (node:internal/modules/helpers:176:18)
    at Object.<anonymous> (/usr/src/app/server.js:3:17)
    at Module._compile (node:internal/modules/cjs/loader:1376:14) {
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/usr/src/app/server.js' ]
}

Node.js v20.11.1"""

NODE_CAUSE = """\
Error: failed to load configuration
    at loadConfig (/app/dist/config.js:22:11)
    at async main (/app/dist/index.js:8:18) {
  [cause]: TypeError: Cannot read properties of undefined (reading 'split')
      at parseHosts (/app/dist/config.js:9:31)
      at loadConfig (/app/dist/config.js:18:5)
}"""

JAVA_CAUSED_BY = """\
org.springframework.beans.factory.UnsatisfiedDependencyException: Error creating bean with name 'orderController': Unsatisfied dependency expressed through constructor parameter 0
\tat org.springframework.beans.factory.support.ConstructorResolver.createArgumentArray(ConstructorResolver.java:801)
\tat org.springframework.beans.factory.support.ConstructorResolver.autowireConstructor(ConstructorResolver.java:240)
\tat com.acme.orders.OrdersApplication.main(OrdersApplication.java:12)
Caused by: org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'orderRepository': Invocation of init method failed
\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1786)
\t... 24 common frames omitted
Caused by: java.lang.IllegalStateException: Cannot connect to jdbc:postgresql://10.20.0.3:5432/orders
\tat com.acme.orders.db.OrderRepository.init(OrderRepository.java:41)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\t... 30 more"""

JAVA_THREAD = """\
Exception in thread "main" java.lang.NoClassDefFoundError: org/slf4j/LoggerFactory
\tat com.example.demo.Main.<clinit>(Main.java:9)
Caused by: java.lang.ClassNotFoundException: org.slf4j.LoggerFactory
\tat java.base/jdk.internal.loader.BuiltinClassLoader.loadClass(BuiltinClassLoader.java:641)
\tat java.base/java.lang.ClassLoader.loadClass(ClassLoader.java:525)
\t... 1 more"""

SPRING_FAILED = """\
***************************
APPLICATION FAILED TO START
***************************

Description:

Web server failed to start. Port 8080 was already in use.

Action:

Identify and stop the process that's listening on port 8080 or configure this application to listen on another port."""

DOTNET = """\
Unhandled exception. System.InvalidOperationException: Unable to resolve service for type 'Acme.Billing.IInvoiceStore' while attempting to activate 'Acme.Billing.InvoiceService'.
 ---> System.ArgumentNullException: Value cannot be null. (Parameter 'connectionString')
   at Npgsql.NpgsqlConnection..ctor(String connectionString)
   at Acme.Billing.Data.InvoiceStore..ctor(IConfiguration config) in /src/Acme.Billing/Data/InvoiceStore.cs:line 18
   --- End of inner exception stack trace ---
   at Microsoft.Extensions.DependencyInjection.ServiceLookup.CallSiteRuntimeResolver.VisitConstructor(ConstructorCallSite constructorCallSite, RuntimeResolverContext context)
   at Acme.Billing.Program.Main(String[] args) in /src/Acme.Billing/Program.cs:line 27"""

GO = """\
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b2f4e]

goroutine 1 [running]:
github.com/acme/inventory/internal/store.(*Store).Ping(0x0)
\t/src/internal/store/store.go:42 +0x2e
main.main()
\t/src/cmd/server/main.go:31 +0x1c5
exit status 2"""

RUBY = """\
/usr/local/bundle/gems/activesupport-7.1.3/lib/active_support/message_encryptor.rb:188:in `verify': ActiveSupport::MessageEncryptor::InvalidMessage (ActiveSupport::MessageEncryptor::InvalidMessage)
\tfrom /usr/local/bundle/gems/railties-7.1.3/lib/rails/application.rb:470:in `secret_key_base'
\tfrom /rails/config/initializers/session_store.rb:3:in `<main>'
\tfrom /usr/local/bundle/gems/railties-7.1.3/lib/rails/engine.rb:690:in `load'"""

RAILS_ABORTED = """\
bin/rails aborted!
ArgumentError: Missing `secret_key_base` for 'production' environment, set this string with `bin/rails credentials:edit` (ArgumentError)
/rails/config/environment.rb:5:in `<main>'
Tasks: TOP => db:prepare => db:load_config => environment
(See full trace by running task with --trace)"""

PHP = """\
PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/html/src/Db.php:14
Stack trace:
#0 /var/www/html/src/Db.php(14): PDO->__construct('mysql:host=127....', 'app', Object(SensitiveParameterValue))
#1 /var/www/html/vendor/slim/slim/Slim/App.php(208): App\\Db->connect()
#2 /var/www/html/public/index.php(9): Slim\\App->run()
#3 {main}
  thrown in /var/www/html/src/Db.php on line 14"""
